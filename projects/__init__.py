"""Method projects built on ``changefine_mm``; each registers its modules
when its configs import it (``custom_imports``)."""
