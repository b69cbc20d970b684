"""The batch layer: a coordinator's runs of the workbooks for many sites and periods.

The runner (`runner`: jobs, worker pool, fault isolation, atomic outputs, run records) and its
kernels (`kernels`: forked, preheated, over private IPC sockets).

May import: pages, figures and data. Never live or the command line.
"""
