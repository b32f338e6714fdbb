"""Real data sets read from the data directory, verified by sha256."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crmlib.exceptions import DataFileError

ENV_VAR = "CRMLIB_DATA"


@dataclass(frozen=True)
class DataFile:
    """One file of a public data set, as listed in the project's data provenance."""

    filename: str
    sha256: str
    source: str
    licence: str


DATASETS: dict[str, tuple[DataFile, ...]] = {
    "online_retail": (
        DataFile(
            "online_retail.parquet",
            "399de155a1c07e4bc89d8ef4f75d619c70a6b4ed39cc76ea54d56c2c939fb72b",
            "UCI Machine Learning Repository, data set 352 'Online Retail' (Daqing Chen); "
            "converted from the original xlsx to parquet",
            "CC BY 4.0",
        ),
    ),
    "airline_survey": (
        DataFile(
            "airline_satisfaction.parquet",
            "efbdfb144731e0806f7872db10110fd01842600f40c13f0fece066c7c0ec5af7",
            "Kaggle, 'Airline Passenger Satisfaction' (train and test merged)",
            "no licence stated",
        ),
    ),
    "telco": (
        DataFile(
            "telco_status.csv",
            "d9490cea22ddba9d05317662ab16e997e395336969fe4b89595e783839e48814",
            "IBM Cognos Analytics sample data 'Telco customer churn' 11.1.3 (status table)",
            "no licence stated",
        ),
        DataFile(
            "telco_services.csv",
            "2f211cee01862eeeb4ac28e58271b4ddfe9060112534229b50297d907c39c285",
            "IBM Cognos Analytics sample data 'Telco customer churn' 11.1.3 (services table)",
            "no licence stated",
        ),
        DataFile(
            "telco_demographics.csv",
            "7affce543abaac1ac425c3592034642b7f026ffac83137eade22f219bdd47cd9",
            "IBM Cognos Analytics sample data 'Telco customer churn' 11.1.3 (demographics)",
            "no licence stated",
        ),
    ),
    "groceries": (
        DataFile(
            "groceries.csv",
            "ff1be892fd6b9b57d1a7bc50de067798963dda607619645988b21789bf23ae3b",
            "R package arules 'Groceries' (Hahsler, Hornik & Reutterer 2006), as distributed "
            "with Lantz, 'Machine Learning with R'",
            "public domain",
        ),
    ),
    "complaints": (
        DataFile(
            "cfpb_complaints_sample.csv",
            "62db0ac12e10f32b77f876283818fe7f6508fed767791d90dda190fd1922878f",
            "US Consumer Financial Protection Bureau, Consumer Complaint Database (a sample)",
            "US public data",
        ),
    ),
    "apparel": (
        DataFile(
            "apparel_transactions.csv",
            "264bd09702f910668892eacc96fae656b57cc166d314ead844f9cf20dcd28a1d",
            "R package CLVTools (Meierer, Bachmann, Gerwers et al.), data set 'apparelTrans' "
            "(600 customers), exported from the package's .rda file to CSV",
            "GPL-3",
        ),
        DataFile(
            "apparel_static_covariates.csv",
            "ea33754c3553da310cf110625e8293a2bdf39163a86fb3ce9285fe67035d4ad0",
            "R package CLVTools (Meierer, Bachmann, Gerwers et al.), data set 'apparelStaticCov', "
            "exported from the package's .rda file to CSV",
            "GPL-3",
        ),
    ),
}

# sha256 of a 500 MB file costs about a second; only check each file once per process.
_VERIFIED: set[tuple[str, float, int]] = set()


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the data directory.

    Parameters
    ----------
    path : str or PathLike, optional
        An explicit folder. Wins over everything else.

    Returns
    -------
    Path
        ``path`` if given; else ``$CRMLIB_DATA`` if set; else a per-user cache folder
        (``$XDG_CACHE_HOME/crmlib`` or ``~/.cache/crmlib``; ``%LOCALAPPDATA%\\crmlib``
        on Windows).
    """
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "crmlib"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_path(name: str, data_dir_: str | os.PathLike | None = None, *, verify: bool = True) -> list[Path]:
    """Locate (and verify) the files of data set ``name``.

    Raises
    ------
    DataFileError
        When a file is missing (the message names the public source and the exact path
        to put the file at) or its sha256 differs from the published one.
    """
    if name not in DATASETS:
        raise KeyError(f"Unknown data set {name!r}. Known: {', '.join(sorted(DATASETS))}.")
    folder = data_dir(data_dir_)
    paths = []
    for f in DATASETS[name]:
        p = folder / f.filename
        if not p.is_file():
            raise DataFileError(
                f"Data set {name!r} needs the file {f.filename!r}, which is not at {p}.\n"
                f"Source: {f.source} (licence: {f.licence}).\n"
                f"Suggestion: download it from that source, save it as {p} "
                f"(sha256 {f.sha256}), or point {ENV_VAR} / data_dir= at a folder that holds it."
            )
        if verify:
            st = p.stat()
            key = (str(p.resolve()), st.st_mtime, st.st_size)
            if key not in _VERIFIED:
                got = _sha256(p)
                if got != f.sha256:
                    raise DataFileError(
                        f"{p} does not match the published checksum of {f.filename!r}: "
                        f"sha256 {got}, expected {f.sha256}.\n"
                        f"Suggestion: the file is damaged or a different version; fetch it "
                        f"again from {f.source}."
                    )
                _VERIFIED.add(key)
        paths.append(p)
    return paths


def available(name: str, data_dir_: str | os.PathLike | None = None) -> bool:
    """Whether every file of data set ``name`` is present in the data directory.

    Only presence is checked; loading verifies the checksum.
    """
    folder = data_dir(data_dir_)
    return all((folder / f.filename).is_file() for f in DATASETS[name])


#: Column mapping of the UCI Online Retail file for :func:`crmlib.read_transactions`:
#: ``read_transactions(load_online_retail(), **ONLINE_RETAIL_COLUMNS)``.
ONLINE_RETAIL_COLUMNS: dict[str, Any] = {
    "customer": "CustomerID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "price": "UnitPrice",
    "order": "InvoiceNo",
    "item": "Description",
    "extra_columns": ["StockCode", "Country"],
}


def load_online_retail(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """UCI Online Retail: 541,909 raw invoice lines of a UK gift retailer, 2010-12 to 2011-12.

    The raw file, unvalidated: pass it to :func:`crmlib.read_transactions` with
    :data:`ONLINE_RETAIL_COLUMNS`, the column mapping.
    """
    (path,) = dataset_path("online_retail", data_dir)
    return pd.read_parquet(path)


def load_airline_survey(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Airline passenger satisfaction survey: 129,880 respondents, 14 service items on 0-5.

    A rating of 0 means "not applicable", not "very dissatisfied". The index column of
    the original CSV export (``Unnamed: 0``) is dropped.
    """
    (path,) = dataset_path("airline_survey", data_dir)
    df = pd.read_parquet(path)
    return df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed")])


def load_telco(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """IBM Telco churn 11.1.3: status, services and demographics joined on ``Customer ID``.

    IBM's fictional sample company (7,043 customers). Columns repeated in each table
    (``Count``, ``Quarter``) are kept once.
    """
    status, services, demo = (pd.read_csv(p) for p in dataset_path("telco", data_dir))
    key = "Customer ID"
    services = services.drop(columns=[c for c in ("Count", "Quarter") if c in services])
    demo = demo.drop(columns=[c for c in ("Count", "Quarter") if c in demo])
    out = status.merge(services, on=key, how="inner", validate="one_to_one")
    out = out.merge(demo, on=key, how="inner", validate="one_to_one")
    if len(out) != len(status):  # the three tables describe the same customers
        raise DataFileError(
            f"Telco tables do not join one-to-one: {len(status)} status rows, {len(out)} joined."
        )
    return out


def load_groceries(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Groceries baskets as a long table: one row per (basket_id, item); 9,835 baskets."""
    (path,) = dataset_path("groceries", data_dir)
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [(i, item.strip()) for i, line in enumerate(lines) for item in line.split(",") if item.strip()]
    return pd.DataFrame(rows, columns=["basket_id", "item"])


def load_complaints(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """A 6,623-row sample of the CFPB consumer complaint database, dates parsed."""
    (path,) = dataset_path("complaints", data_dir)
    df = pd.read_csv(path)
    for col in ("Date received", "Date sent to company"):
        if col in df:
            df[col] = pd.to_datetime(df[col], format="mixed")
    return df
