import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equitygraph.graph.model import Share
from equitygraph.loaders.fields import parse_amount, parse_date, parse_int_in, parse_share


@pytest.mark.parametrize("text", ["51", "51%", "51.00%", " 51 % ", "51％"])
def test_percent_spellings_all_mean_the_same_share(text):
    assert parse_share(text) == Share.exact(0.51)


def test_range_is_kept_as_a_range():
    assert parse_share("50-75") == Share(0.5, 0.75)
    assert parse_share("50%~75%") == Share(0.5, 0.75)


def test_blank_share_is_unknown_not_zero():
    share = parse_share("  ")
    assert not share.is_known and share.low is None


def test_fraction_scale_only_when_asked():
    assert parse_share("0.51", scale="fraction") == Share.exact(0.51)
    assert parse_share("0.51") == Share.exact(0.0051)
    assert parse_share("51%", scale="fraction") == Share.exact(0.51)
    with pytest.raises(ValueError, match=r"'51' is outside 0-1 \(fraction scale\)"):
        parse_share("51", scale="fraction")


@pytest.mark.parametrize("text,message", [
    ("150%", "'150%' is outside 0-100 %"),
    ("-5", "'-5' is outside 0-100 %"),
    ("abc", "'abc' is not a percentage, a range like 50-75, or blank"),
    ("75-50", "'75-50' is a range whose low end is above its high end"),
])
def test_bad_shares_say_what_is_wrong(text, message):
    with pytest.raises(ValueError) as e:
        parse_share(text)
    assert str(e.value) == message


@given(st.decimals(min_value=0, max_value=100, places=4))
def test_every_percentage_in_range_round_trips(value):
    share = parse_share(f"{value}%")
    assert share.is_exact
    assert share.low == pytest.approx(float(value) / 100, abs=1e-12)
    assert 0.0 <= share.low <= 1.0


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_spelling_reads_back(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", day.strftime("%Y%m%d"),
                 f"{day.year}年{day.month}月{day.day}日", f"{day.isoformat()} 00:00:00"):
        assert parse_date(text) == day


@pytest.mark.parametrize("text,message", [
    ("2021-02-30", "'2021-02-30' is not a valid date (day is out of range for month)"),
    ("30/01/2021", "'30/01/2021' is not a date (write it as YYYY-MM-DD)"),
    ("yesterday", "'yesterday' is not a date (write it as YYYY-MM-DD)"),
])
def test_bad_dates(text, message):
    with pytest.raises(ValueError) as e:
        parse_date(text)
    assert str(e.value) == message


@pytest.mark.parametrize("text,expected", [
    ("1000000", (1_000_000.0, None)),
    ("1,000,000.50", (1_000_000.5, None)),
    ("500万", (5_000_000.0, None)),
    ("1000万元人民币", (10_000_000.0, "CNY")),
    ("2.5亿元", (250_000_000.0, None)),
    ("100万美元", (1_000_000.0, "USD")),
    ("", (None, None)),
])
def test_amounts(text, expected):
    assert parse_amount(text) == expected


def test_bad_amounts():
    with pytest.raises(ValueError, match="'12 apples' is not an amount of money"):
        parse_amount("12 apples")
    with pytest.raises(ValueError, match="'-5' is negative"):
        parse_amount("-5")


def test_int_in_range():
    assert parse_int_in("5", 1, 5) == 5
    with pytest.raises(ValueError, match="'6' is not a whole number from 1 to 5"):
        parse_int_in("6", 1, 5)
    with pytest.raises(ValueError, match="'2.5' is not a whole number from 1 to 5"):
        parse_int_in("2.5", 1, 5)
