"""The app's own widgets, each in its package."""
