"""Fleets: many tenants and sites in one shared store, run by workers through a job queue.

One module per job: :mod:`config` reads the fleet file, :mod:`overlay` layers a tenant's
policies on the base repository, :mod:`work` is what a job does to one tenant, :mod:`queue` is
the procrastinate app, its tasks and workers, :mod:`runs` records every attempt, :mod:`status`
reads the queue, :mod:`rollup` builds the fleet report and :mod:`rollup_formats` renders it,
:mod:`sandbox` serves many simulated tenants at once.
"""
