"""The app's screens: the reader, and the modals it opens."""
