"""ChangeCLIP project: see README.md."""
