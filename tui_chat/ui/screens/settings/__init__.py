"""The settings screen, by what a reader looks for.

- `screen`: `SettingsScreen`, the modal form: its layout, events, Save and Cancel.
- `result`: `SettingsResult`, what Save returns, and which API keys it changes.
- `cards`: a provider's card (backend or OpenAI-compatible endpoint) and its fields.
- `fields`: `Field`, one labelled input, and the rules every field is checked by.
- `confirm`: the dialog asking whether to discard edits.
- `edited`: the settings the form holds, read off its fields (what Save hands back).
- `settings.tcss`: the look of both screens.
"""
