"""The settings screen, by what a reader looks for.

- `screen`: `SettingsScreen`, the modal form, and the dialog asking to discard edits.
- `cards`: a provider's card (backend or OpenAI-compatible endpoint) and its fields.
- `fields`: `Field`, one labelled input, and the rules fields are checked by.
"""
