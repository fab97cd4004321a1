"""ChangeAnywhere project: changeanywhere/, tools/, configs/, tests/."""
