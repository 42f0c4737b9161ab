"""The GraphQL API: a thin interface over the services, mounted at ``/graphql`` by the app.

``schema`` (queries and mutations by group), ``routes`` (the HTTP view and its
bounds), ``context`` (who asks, the read model, the DataLoaders of a request).
Who may see and change what is decided in :mod:`graph_service.access`; edits
go through :class:`graph_service.editing.Editor`.
"""
