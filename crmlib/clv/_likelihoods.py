"""Fast likelihoods of the continuous-time models, with analytic derivatives.

Real logs have customers who sign up every day, so collapsing identical (frequency,
recency, T) rows leaves most rows unique (1,000,000 customers signing up over two years
leave 438,840 rows). The likelihoods below are therefore written so that every costly
function is evaluated on small tables instead of per row:

* ``gammaln``/``digamma`` terms depend on the frequency only: one value per distinct
  frequency, gathered;
* ``log(alpha + T)`` and ``log(alpha + recency)`` depend on one column each: one value per
  distinct T or recency (730 and 1,003 values for two years at day resolution);
* the only per-row work is one ``logaddexp`` and a few multiply-adds.

BG/NBD (Fader, Hardie & Lee 2005; Hardie's note 004) gets the exact gradient and Hessian in
log-parameters, so ``fit`` runs a trust-region Newton method (a handful of iterations)
and the standard errors come from the exact Hessian, not finite differences. The value is
lifetimes' ``BetaGeoFitter._negative_log_likelihood`` term for term (the tests check it to
1e-12 and the derivatives against finite differences), except that the gamma-function
ratios are summed as finite products, which stays exact where lifetimes' ``gammaln``
differences cancel.

Pareto/NBD (Hardie's note 009) is lifetimes' expression with ``hyp2f1`` evaluated once per
distinct (frequency, time) pair; it is maximised by BFGS on central-difference gradients
(:func:`bfgs_fit`), see :mod:`crmlib.clv.paretonbd` for the screening of its starts.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import gammaln

__all__ = ["BGNBDData", "bgnbd_data", "bgnbd_loglik"]


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and the index of each element's value (``uniq[idx] == values``)."""
    idx, uniq = pd.factorize(values, sort=False)
    return np.asarray(uniq, dtype=float), idx.astype(np.intp, copy=False)


def _cum(terms: np.ndarray) -> np.ndarray:
    """``out[x] = sum(terms[:x])`` for x = 0 .. len(terms)."""
    out = np.zeros(len(terms) + 1)
    np.cumsum(terms, out=out[1:])
    return out


class BGNBDData(NamedTuple):
    """A summary in the form the BG/NBD likelihood evaluates quickly (see the module)."""

    n: float  # total weight
    w_by_f: np.ndarray  # weight of each frequency 0..max
    t_vals: np.ndarray  # distinct T
    w_by_t: np.ndarray  # weight of each distinct T
    fw_by_t: np.ndarray  # sum of weight * frequency for each distinct T
    # rows with a repeat purchase (the only rows with a per-row term)
    f_pos: np.ndarray  # frequency (int)
    rf_base: np.ndarray  # frequency as float
    w_pos: np.ndarray
    t_idx: np.ndarray  # index into t_vals
    rec_vals: np.ndarray  # distinct recency among them
    rec_idx: np.ndarray


_CACHE: list = []


def bgnbd_data(frequency, recency, T, weights) -> BGNBDData:
    """Tables of :class:`BGNBDData`; the last two calls' results are reused for the same
    arrays."""
    key = (frequency, recency, T, weights)
    for old_key, old_data in _CACHE:
        if all(a is b for a, b in zip(old_key, key, strict=True)):
            return old_data
    f = np.asarray(frequency).astype(np.int64)
    rec = np.asarray(recency, dtype=float)
    t = np.asarray(T, dtype=float)
    w = np.asarray(weights, dtype=float)
    t_vals, t_idx = _factorize(t)
    pos = f > 0
    rec_vals, rec_idx = _factorize(rec[pos])
    data = BGNBDData(
        n=float(w.sum()),
        w_by_f=np.bincount(f, weights=w),
        t_vals=t_vals,
        w_by_t=np.bincount(t_idx, weights=w, minlength=len(t_vals)),
        fw_by_t=np.bincount(t_idx, weights=w * f, minlength=len(t_vals)),
        f_pos=f[pos],
        rf_base=f[pos].astype(float),
        w_pos=w[pos],
        t_idx=t_idx[pos],
        rec_vals=rec_vals,
        rec_idx=rec_idx,
    )
    _CACHE[:] = [(key, data), *_CACHE[:1]]  # the last two (a subsample and all the data)
    return data


def bgnbd_loglik(params, d: BGNBDData, order: int = 0):
    """BG/NBD log-likelihood summed over customers; with ``order`` >= 1 also its gradient
    and (``order`` 2) Hessian with respect to the log-parameters ``log(r, alpha, a, b)``.

    Per customer (Hardie's note 004, lifetimes' expression):
    ``A1 + A2 + A3 + [x > 0] * softplus(A4 - A3)`` with
    ``A1 = lnG(r+x) - lnG(r) + r ln(alpha)``,
    ``A2 = lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x)``,
    ``A3 = -(r+x) ln(alpha+T)`` and
    ``A4 = ln(a) - ln(b+x-1) - (r+x) ln(alpha+t_x)``.
    """
    key = np.asarray(params, dtype=float).tobytes()
    if _LAST and _LAST[0] == key and _LAST[1] is d and _LAST[2] >= order:
        # the fit's last Newton evaluation is the point whose Hessian gives the errors
        out = _LAST[3]
        return out[0] if order == 0 else out[: order + 1]
    with np.errstate(over="ignore", under="ignore"):  # far parameters: inf or 0, no noise
        out = _bgnbd_loglik(params, d, order)
    _LAST[:] = [key, d, order, out if order else (out,)]
    return out


_LAST: list = []


def _bgnbd_loglik(params, d: BGNBDData, order: int):
    r, alpha, a, b = (np.float64(v) for v in params)  # overflow -> inf, not an error
    fs = np.arange(len(d.w_by_f), dtype=float)
    wf = d.w_by_f
    n = d.n
    # A1 + A2: one value per frequency. x is a whole number, so the gamma-function ratios
    # are finite products: lnG(r+x) - lnG(r) = sum_{j<x} ln(r+j) and A2 = sum_{j<x}
    # -ln(1 + a/(b+j)). Cumulative sums of these stay exact where the gammaln differences
    # cancel catastrophically (b = 1e20 gave a log-likelihood of +1e9)
    j = fs[:-1]
    rj, bj, abj = r + j, b + j, a + b + j
    ll = float(wf @ _cum(np.log(rj) - np.log1p(a / bj))) + n * r * np.log(alpha)
    # A3: one value per distinct T
    at = alpha + d.t_vals
    lt = np.log(at)
    coef_t = r * d.w_by_t + d.fw_by_t
    ll -= float(coef_t @ lt)
    # the per-row term: softplus(z), z = A4 - A3
    ar = alpha + d.rec_vals
    lr = np.log(ar)
    diff = lt[d.t_idx] - lr[d.rec_idx]  # ln(alpha+T) - ln(alpha+t_x) >= 0
    rf = d.rf_base + r
    c_f = np.zeros_like(fs)  # per frequency; x = 0 has no such term
    c_f[1:] = np.log(a) - np.log(b + fs[1:] - 1.0)
    z = c_f[d.f_pos] + rf * diff
    sp = np.logaddexp(0.0, z)
    ll += float(d.w_pos @ sp)
    if order == 0:
        return ll

    sig = np.exp(z - sp)  # logistic(z) = d softplus / dz
    u = d.w_pos * sig
    inv_bf = np.zeros_like(fs)
    inv_bf[1:] = 1.0 / (b + fs[1:] - 1.0)
    e_t, e_r = 1.0 / at, 1.0 / ar
    e = e_t[d.t_idx] - e_r[d.rec_idx]  # d diff / d alpha
    u_f = np.bincount(d.f_pos, weights=u, minlength=len(fs))
    sum_u = float(u.sum())
    dg_fs = _cum(1.0 / rj)  # digamma(r + x) - digamma(r)
    dg_ab = _cum(-1.0 / abj)  # digamma(a + b) - digamma(a + b + x)
    dg_b = _cum(1.0 / bj)  # digamma(b + x) - digamma(b)
    g = np.array(
        [
            float(wf @ dg_fs) + n * np.log(alpha) - float(d.w_by_t @ lt) + float(u @ diff),
            n * r / alpha - float(coef_t @ e_t) + float(u @ (rf * e)),
            float(wf @ dg_ab) + sum_u / a,
            float(wf @ (dg_ab + dg_b)) - float(u_f @ inv_bf),
        ]
    )
    p = np.array([r, alpha, a, b])
    grad = g * p  # chain rule to log-parameters
    if order == 1:
        return ll, grad

    q = u * (1.0 - sig)  # w * logistic'(z)
    rfe = rf * e
    e2 = e_r[d.rec_idx] ** 2 - e_t[d.t_idx] ** 2  # d e / d alpha
    q_f = np.bincount(d.f_pos, weights=q, minlength=len(fs))
    qd_f = np.bincount(d.f_pos, weights=q * diff, minlength=len(fs))
    qe_f = np.bincount(d.f_pos, weights=q * rfe, minlength=len(fs))
    sum_q = float(q_f.sum())
    t1_fs = _cum(-1.0 / rj**2)  # trigamma(r + x) - trigamma(r)
    t1_ab = _cum(1.0 / abj**2)  # trigamma(a + b) - trigamma(a + b + x)
    t1_b = _cum(-1.0 / bj**2)  # trigamma(b + x) - trigamma(b)
    h = np.empty((4, 4))
    h[0, 0] = float(wf @ t1_fs) + float(q @ (diff * diff))
    h[0, 1] = n / alpha - float(d.w_by_t @ e_t) + float(q @ (diff * rfe)) + float(u @ e)
    h[1, 1] = (
        -n * r / alpha**2
        + float(coef_t @ (e_t * e_t))
        + float(q @ (rfe * rfe))
        + float(u @ (rf * e2))
    )
    h[0, 2] = float(qd_f.sum()) / a
    h[0, 3] = -float(qd_f @ inv_bf)
    h[1, 2] = float(qe_f.sum()) / a
    h[1, 3] = -float(qe_f @ inv_bf)
    h[2, 2] = float(wf @ t1_ab) + (sum_q - sum_u) / a**2
    h[2, 3] = float(wf @ t1_ab) - float(q_f @ inv_bf) / a
    h[3, 3] = float(wf @ (t1_ab + t1_b)) + float(q_f @ inv_bf**2) + float(u_f @ inv_bf**2)
    h = np.triu(h) + np.triu(h, 1).T
    # to log-parameters: H_theta = P H P + diag(p * g)
    # (p_i h_ij) p_j in that order: at the NBD limit (b ~ 1e200) b * b overflows while
    # b * h_bb * b is a modest number
    hess = (p[:, None] * h) * p[None, :] + np.diag(grad)
    return ll, grad, hess


def newton_fit(
    loglik,
    x0: np.ndarray,
    *,
    n: float,
    penalizer: float = 0.0,
    pen_scale: np.ndarray | None = None,
    gtol: float = 1e-9,
    maxiter: int = 200,
) -> np.ndarray:
    """Maximise ``loglik(params, order)`` from natural-scale ``x0`` by a trust-region
    Newton method (scipy's ``trust-exact``) in log-parameters.

    The objective is lifetimes': the mean negative log-likelihood per customer plus
    ``penalizer * sum(pen_scale * params ** 2)``. It stops when the gradient of that mean
    is below ``gtol`` in every log-parameter (lifetimes' BFGS stops at 1e-7), so the
    result is at least as close to the maximum as lifetimes' fit. Raises RuntimeError
    when it stops at a non-finite point.
    """
    from scipy.optimize import minimize

    scale = np.ones(len(x0)) if pen_scale is None else np.asarray(pen_scale, dtype=float)
    cache: dict[bytes, tuple] = {}

    def evaluate(theta: np.ndarray):
        key = theta.tobytes()
        if key not in cache:
            p = np.exp(theta)
            with np.errstate(all="ignore"):
                ll, g, h = loglik(p, 2)
            pen = penalizer * float(np.sum(scale * p**2))
            f = -ll / n + pen
            gp = -g / n + 2.0 * penalizer * scale * p**2
            hp = -h / n + np.diag(4.0 * penalizer * scale * p**2)
            if not (np.isfinite(f) and np.all(np.isfinite(gp)) and np.all(np.isfinite(hp))):
                f, gp, hp = np.inf, np.zeros_like(theta), np.eye(len(theta))
            cache.clear()
            cache[key] = (f, gp, hp)
        return cache[key]

    res = minimize(
        lambda th: evaluate(th)[0],
        np.log(np.asarray(x0, dtype=float)),
        jac=lambda th: evaluate(th)[1],
        hess=lambda th: evaluate(th)[2],
        method="trust-exact",
        options={"gtol": gtol, "maxiter": maxiter},
    )
    if not (np.isfinite(res.fun) and np.all(np.isfinite(np.exp(res.x)))):
        raise RuntimeError(f"the Newton fit stopped at a non-finite point: {res.message}")
    # a point short of a stationary one or at the edge is returned: the base's checks
    # (Newton step, edge of the range, Hessian) warn about it with a checklist
    return np.exp(res.x)


# ---------------------------------------------------------------------- Pareto/NBD


class ParetoData(NamedTuple):
    """A summary in the form the Pareto/NBD likelihood evaluates quickly.

    ``hyp2f1`` (the costly part) depends on the frequency and on one time (recency or T),
    so it is evaluated once per distinct (frequency, time) pair: 100,000 customers with
    sign-ups over two years have 51,539 distinct rows but 15,420 such pairs. ``gammaln``
    terms are tabulated per frequency and ``log(alpha + T)``, ``log(beta + T)`` per T.
    """

    n: float
    w_by_f: np.ndarray  # weight of each frequency 0..max
    f_idx: np.ndarray  # per row: frequency (int)
    weights: np.ndarray
    t_vals: np.ndarray  # distinct T
    t_idx: np.ndarray  # per row: index into t_vals
    pair_x: np.ndarray  # frequency of each distinct (frequency, time) pair
    pair_y: np.ndarray  # time of each pair
    rec_pair: np.ndarray  # rows with recency < T: pair index of (frequency, recency)
    t_pair: np.ndarray  # the same rows: pair index of (frequency, T)
    open_rows: np.ndarray  # those rows' positions (elsewhere A_0 is exactly 0)


_PCACHE: list = []


def pareto_data(frequency, recency, T, weights) -> ParetoData:
    """Tables of :class:`ParetoData` for collapsed rows (the last two calls' results are
    reused for the same arrays)."""
    key = (frequency, recency, T, weights)
    for old_key, old_data in _PCACHE:
        if all(a is b for a, b in zip(old_key, key, strict=True)):
            return old_data
    fi = np.asarray(frequency).astype(np.int64)
    rec = np.asarray(recency, dtype=float)
    t = np.asarray(T, dtype=float)
    w = np.asarray(weights, dtype=float)
    t_vals, t_idx = _factorize(t)
    # recency == T: A_0 = F(t_x) - F(T) is exactly 0 (Hardie's eq. 19-20; lifetimes' signed
    # logsumexp could round it below 0 and return NaN); only the other rows need hyp2f1
    open_rows = np.flatnonzero(rec < t)
    times, codes = np.unique(np.concatenate([rec[open_rows], t[open_rows]]), return_inverse=True)
    fo = fi[open_rows]
    pair_key = np.concatenate([fo, fo]) * max(len(times), 1) + codes
    ukey, inv = np.unique(pair_key, return_inverse=True)
    m = len(open_rows)
    data = ParetoData(
        n=float(w.sum()),
        w_by_f=np.bincount(fi, weights=w),
        f_idx=fi,
        weights=w,
        t_vals=t_vals,
        t_idx=t_idx,
        pair_x=(ukey // max(len(times), 1)).astype(float),
        pair_y=times[ukey % max(len(times), 1)] if len(times) else np.zeros(0),
        rec_pair=inv[:m],
        t_pair=inv[m:],
        open_rows=open_rows,
    )
    _PCACHE[:] = [(key, data), *_PCACHE[:1]]  # the last two (a subsample and all the data)
    return data


def pareto_loglik(params, d: ParetoData) -> float:
    """Pareto/NBD log-likelihood summed over customers (Hardie's note 009, eq. 18-20).

    lifetimes' expression, with ``A_0`` written as ``F(t_x) - F(T)`` where
    ``F(y) = 2F1(r+s+x, b; r+s+x+1; |alpha-beta| / (max(alpha, beta) + y)) /
    (max(alpha, beta) + y) ** (r+s+x)``, so that ``hyp2f1`` runs once per distinct
    (frequency, time) pair; ``A_0`` is exactly 0 where recency == T.
    """
    from scipy.special import hyp2f1

    r, alpha, s, beta = (float(v) for v in params)
    if min(r, alpha, s, beta) <= 0:
        return -np.inf
    fs = np.arange(len(d.w_by_f), dtype=float)
    # A_1 per frequency
    ll = float(d.w_by_f @ (gammaln(r + fs) - gammaln(r))) + d.n * (
        r * np.log(alpha) + s * np.log(beta)
    )
    # first term of A_2: alive at T
    la = np.log(alpha + d.t_vals)[d.t_idx]
    lb = np.log(beta + d.t_vals)[d.t_idx]
    alive = -(r + fs)[d.f_idx] * la - s * lb
    if len(d.open_rows):
        x = d.pair_x
        a = r + s + x
        if alpha < beta:
            hi, b = beta, r + x
        else:
            hi, b = alpha, np.full_like(x, s + 1.0)
        z = abs(alpha - beta) / (hi + d.pair_y)
        log_f = np.log(hyp2f1(a, b, a + 1.0, z)) - a * np.log(hi + d.pair_y)
        l1 = log_f[d.rec_pair]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a0 = l1 + np.log1p(-np.exp(log_f[d.t_pair] - l1))
        rows = d.open_rows
        extra = np.log(s) - np.log(r + s + fs)[d.f_idx[rows]] + log_a0
        alive[rows] = np.logaddexp(alive[rows], extra)
    return ll + float(d.weights @ alive)


def bfgs_fit(
    objective,
    theta0: np.ndarray,
    *,
    gtol: float,
    maxiter: int,
    hess_inv0=None,
    step: float = 1e-5,
    central: bool = True,
):
    """Minimise ``objective(theta)`` by BFGS with central finite-difference gradients.

    The objective is a smooth sum over customers, so a central difference with a step of
    1e-5 in log-parameters is accurate to about 1e-10 of its curvature: quasi-Newton steps
    need far fewer evaluations than Nelder-Mead (lifetimes' method) on four parameters.
    ``central=False`` uses forward differences (half the evaluations, for rough
    screening only). Returns scipy's result (``x``, ``fun``, ``hess_inv``, ``success``).
    """
    from scipy.optimize import minimize

    k = len(theta0)
    eye = np.eye(k) * step

    def fun_grad(theta):
        f0 = objective(theta)
        if not np.isfinite(f0):
            return np.inf, np.zeros(k)
        if central:
            g = np.array([(objective(theta + e) - objective(theta - e)) / (2 * step) for e in eye])
        else:
            g = np.array([(objective(theta + e) - f0) / step for e in eye])
        if not np.all(np.isfinite(g)):
            return np.inf, np.zeros(k)
        return f0, g

    options = {"gtol": gtol, "maxiter": maxiter}
    if hess_inv0 is not None:
        h0 = 0.5 * (np.asarray(hess_inv0) + np.asarray(hess_inv0).T)
        try:
            np.linalg.cholesky(h0)  # BFGS needs a positive-definite start
            options["hess_inv0"] = h0
        except np.linalg.LinAlgError:
            pass
    return minimize(
        fun_grad, np.asarray(theta0, dtype=float), jac=True, method="BFGS", options=options
    )
