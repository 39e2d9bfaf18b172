"""reviewbot: review Linux-kernel patch series the way an experienced maintainer does."""

__version__ = "0.1.0"
