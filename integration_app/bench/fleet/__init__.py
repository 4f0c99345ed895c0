"""A fleet of shops on PostgreSQL + Redis with several `qcluster` processes: the servers it needs and the
`bench_fleet` benchmark (its set-up, sampling and figures). No part of the app imports it at run time."""
