"""Rebuilding the lines of a reply that an archive flattened into one paragraph."""
from reviewbot.ingest.reflow import looks_flattened, reflow
from reviewbot.ingest.trailers import reply_trailers
from reviewbot.model import Message

# The shape of lkml/freedesktop archive copies: a whole reply joined with spaces.
_QUOTED = " ".join(f"> line {n} of the patch description, wrapped the way mail clients wrap it." for n in range(12))
FLAT = ("On Tue 03-10-17 15:05:57, Ross Zwisler wrote: " + _QUOTED
        + " > > + error = radix_tree_preload(vmf->gfp_mask & ~__GFP_HIGHMEM);"
        + " > Signed-off-by: Ross Zwisler <ross.zwisler@xxxxxxxxxxxxxxx> Looks good. Why the preload, though?"
        + " Acked-by: Jan Kara <jack@xxxxxxx> Honza -- Jan Kara <jack@xxxxxxxx> SUSE Labs, CR")


def test_only_plainly_flattened_text_is_reflowed():
    assert looks_flattened(FLAT)
    normal = "On Mon, Ross wrote:\n> a\n> b\n> c\n\nReviewed-by: X <x@y.org>\n" * 30
    assert not looks_flattened(normal)
    assert reflow(normal) == normal


def test_quote_markers_start_lines():
    lines = reflow(FLAT).split("\n")
    assert lines[0] == "On Tue 03-10-17 15:05:57, Ross Zwisler wrote:"
    assert lines[1] == "> line 0 of the patch description, wrapped the way mail clients wrap it."
    # "> > x" is an empty quoted line then "> x", or "x" quoted twice: flattening lost which, and
    # the first (a paragraph break) is what single-level replies are made of
    at = lines.index("> + error = radix_tree_preload(vmf->gfp_mask & ~__GFP_HIGHMEM);")
    assert lines[at - 1] == ">"


def test_a_quoted_trailer_ends_its_line_and_the_reviewers_text_follows_unquoted():
    lines = reflow(FLAT).split("\n")
    at = lines.index("> Signed-off-by: Ross Zwisler <ross.zwisler@xxxxxxxxxxxxxxx>")
    assert lines[at + 1:at + 3] == ["Looks good. Why the preload, though?", "Acked-by: Jan Kara <jack@xxxxxxx>"]
    assert lines[at + 3:at + 5] == ["Honza", "-- "]


def test_trailers_of_a_flattened_reply_are_the_reviewers_only():
    msg = Message(msgid="r@x", from_name="Jan Kara", from_email="jack@xxxxxxxx", body=reflow(FLAT))
    assert [(t.name, t.person) for t in reply_trailers(msg)] == [("Acked-by", "Jan Kara <jack@xxxxxxx>")]
