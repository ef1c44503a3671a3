"""The shared kernel of the web app: what every area uses, importing no area.

app (factory helpers), config, extensions (the points where areas plug in), identity (who is asking),
errors, api and openapi (the /api blueprint and its document), paging, records, access (roles and project
visibility), timefmt and templating, pages (guards of page blueprints), formrender and taskspec (forms),
models (Department, Project), scheduler and cli.
"""
