"""Modal screens: help and the model and copy pickers (`pickers`), the settings screen
(`settings`)."""
