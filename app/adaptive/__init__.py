"""Adaptive tests with item response theory (numpy only: no Qt, no network, no scipy).

- `irt`: item response functions (1PL/2PL/3PL) and Fisher information, on arrays of parameters.
- `bank`: an item bank (ids, parameters, topics) as an adaptive test sees it.
- `estimate`: EAP ability and its posterior standard error on a fixed quadrature grid.
- `select`: maximum-information selection with randomesque exposure control and content balancing.
- `session`: `AdaptiveSession`, one examinee's test, serialisable to a dict to persist and resume.
- `calibrate`: marginal maximum likelihood (Bock-Aitkin EM) calibration of 2PL parameters.
"""
