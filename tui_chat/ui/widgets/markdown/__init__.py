"""Markdown answers, drawn by the app.

- `block`: the widget that shows an answer as a column of pieces, each rendered when seen;
- `split`: where an answer is cut into pieces (`split_scan`: what the cutting reads);
- `render`: Markdown to terminal lines (`wrap`: word-wrapping; `render_piece`: a piece
  that joins the one before it without a seam);
- `piece`: a piece and what goes across a cut; `parse`: the parser both sides share.
"""
