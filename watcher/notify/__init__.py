"""E-mail digests: what goes in (digest.py), how it reads (render.py and
templates/), how it leaves (mailer.py)."""
