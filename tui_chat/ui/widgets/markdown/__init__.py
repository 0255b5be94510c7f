"""Markdown answers: cut into pieces (`split`), drawn as terminal lines (`render`), shown
as one widget that renders each piece only when it is seen (`block`)."""
