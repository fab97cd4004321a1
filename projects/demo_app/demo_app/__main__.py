"""``python -m projects.demo_app.demo_app CONFIG [CHECKPOINT]``."""
from .app import main

main()
