import uuid

from django.core.management.base import BaseCommand, CommandError

from chapters.tasks_system import ping, ping_wait


class Command(BaseCommand):
    help = "Gửi một tác vụ thử tới worker trên từng hàng đợi và chờ kết quả (kiểm tra xử lý nền)."

    def add_arguments(self, parser):
        parser.add_argument("--queues", default="default,pdf", help="Các hàng đợi cần thử, cách nhau bởi dấu phẩy.")
        parser.add_argument("--timeout", type=float, default=30.0, help="Số giây chờ mỗi hàng đợi (mặc định 30).")

    def handle(self, *args, **options):
        for queue in [q.strip() for q in options["queues"].split(",") if q.strip()]:
            token = uuid.uuid4().hex
            try:
                ping.apply_async(args=[token], queue=queue)
            except Exception as error:  # the broker itself is unreachable
                raise CommandError(f"Không gửi được tác vụ tới hàng đợi «{queue}»: {error}") from None
            result = ping_wait(token, timeout=options["timeout"])
            if result is None:
                raise CommandError(
                    f"Worker không trả lời trên hàng đợi «{queue}» sau {options['timeout']:g} giây: "
                    "hãy kiểm tra worker Celery đã chạy chưa."
                )
            self.stdout.write(f"Hàng đợi {queue}: worker đã trả lời ({result['units']} đơn vị trong cơ sở dữ liệu).")
        self.stdout.write(self.style.SUCCESS("Xử lý nền hoạt động bình thường."))
