"""The server-rendered web pages."""
