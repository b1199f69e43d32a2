"""Services of the learning-model titles and the community learning centres' classes."""
