"""Acquire: fetch feeds and pages from the open web safely, and turn feeds into entries."""
