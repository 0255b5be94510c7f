"""The settings screen: the modal form (`screen`)."""
