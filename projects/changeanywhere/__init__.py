"""ChangeAnywhere project: generator and datasets in changeanywhere/, tools/, configs/, tests/."""
