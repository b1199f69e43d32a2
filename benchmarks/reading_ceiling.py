"""What the memory ceiling costs: reading the same .xlsx in place and in a forked child capped with RLIMIT_AS
(IMPORT_READ_MEMORY_MB), best of five. Run: .venv/bin/python -m benchmarks.reading_ceiling"""

import os
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyenhoc.settings")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from openpyxl import Workbook

    from core.spreadsheets.reading import read_file

    header = ["Họ và tên", "Giới tính", "Năm sinh", "Mã chi hội", "Ngày vào hội", "Địa chỉ"]
    for rows in (2_000, 20_000):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Hội viên")
        sheet.append(header)
        for i in range(rows):
            sheet.append([f"Nguyễn Văn {i}", "Nam", 1950, "10001-01", "01/02/2020", f"Số {i} phố Huế"])
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
            workbook.save(file.name)
            for limit in (0, 1024):
                settings.IMPORT_READ_MEMORY_MB = limit
                times = []
                for _ in range(5):
                    started = time.perf_counter()
                    read_file(file.name)
                    times.append(time.perf_counter() - started)
                where = "tiến trình con, trần bộ nhớ" if limit else "tại chỗ"
                print(f"{rows:>6} dòng  {where:<28} {min(times) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
