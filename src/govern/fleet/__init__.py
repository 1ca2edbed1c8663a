"""Fleets: many tenants and sites in one shared store, run by workers through a job queue.

One module per job: :mod:`config` reads the fleet file, :mod:`overlay` layers per-tenant
policies on the base repository, :mod:`queue` is the procrastinate app and its tasks,
:mod:`runs` records what every job did, :mod:`status` reads the queue, :mod:`rollup` builds the
fleet report and :mod:`rollup_formats` renders it, :mod:`sandbox` serves many simulated tenants.
"""
