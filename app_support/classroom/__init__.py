"""Classroom mode: rooms that students join to follow the lecturer's view and answer polls."""
