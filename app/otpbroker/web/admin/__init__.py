"""The browser admin: server-rendered pages with a little progressive JavaScript."""
