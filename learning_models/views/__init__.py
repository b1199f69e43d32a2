"""Screens of the learning-model titles and the community learning centres (one module per area)."""
