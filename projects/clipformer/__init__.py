"""CLIPFormer project: see README.md."""
