"""Server-rendered pages for social workers, associations and coordinators.

French by default with an Arabic, right-to-left toggle; readable on a phone.
Pages are thin: they call the services the GraphQL API calls (snapshot and
search, orientation, coverage, the Editor) and render Jinja2 templates.
:mod:`.routes` gives the app its routes and session middleware.
"""
