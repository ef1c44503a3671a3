"""The embedded workflow engine: registry, runtime, store, timers, calendar, scripting.

Nothing here imports the web application; the web app and the scheduler call in.
"""
