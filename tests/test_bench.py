from io import StringIO

from django.core.management import call_command

from scheduling.management.commands.bench import PAGES


def test_bench_times_every_daily_page(db):
    out = StringIO()
    call_command("bench", requests=2, stdout=out)
    rows = out.getvalue().splitlines()[1:]
    assert [row.split()[0] for row in rows] == [url_name for _, url_name in PAGES]
    for row in rows:
        median, p95, queries = map(float, row.split()[1:])
        assert 0 < median <= p95
        assert queries > 0
