"""The first page of each PDF document of the demo school, as PNG, for
docs/screens/ (the README links them).

    .venv/bin/python scripts/document_screens.py [OUT_DIR]

Loads the demo school into a throwaway SQLite file, asks the API for each
document as the person who would print it, and renders page 1 with poppler's
pdftoppm (Debian poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.demo import DEMO_PASSWORD, load_demo
from ejournal.service import Service


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        service = Service(f"sqlite:///{tmp}/demo.sqlite3")
        load_demo(service)
        app = create_app(lambda: service, start_runner=False)
        with TestClient(app) as client:

            def get(login: str, path: str) -> bytes:
                token = client.post(
                    "/api/v1/auth/login",
                    json={"login": login, "password": DEMO_PASSWORD},
                ).json()["token"]
                r = client.get(
                    "/api/v1" + path, headers={"Authorization": f"Bearer {token}"}
                )
                r.raise_for_status()
                return r.content if path.endswith(".pdf") else r.json()

            pupil = get("parent.5a.01", "/me/students")["students"][0]  # type: ignore[index]
            courses = get("teacher.math", "/me/courses")["courses"]  # type: ignore[index]
            course = next(c for c in courses if c["class_name"] == "5А")
            student, klass = pupil["student_id"], pupil["class_id"]
            documents = {
                "pdf-diary": ("parent.5a.01", f"/students/{student}/diary.pdf"),
                "pdf-journal": ("teacher.math", f"/courses/{course['course_id']}/journal.pdf"),  # noqa: E501
                "pdf-summary": ("teacher.math", f"/classes/{klass}/summary.pdf"),
                "pdf-archive": ("director", f"/classes/{klass}/archive.pdf"),
            }  # fmt: skip
            for name, (login, path) in documents.items():
                pdf = Path(tmp) / f"{name}.pdf"
                pdf.write_bytes(get(login, path))
                subprocess.run(
                    ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1",
                     "-singlefile", str(pdf), str(out / name)],
                    check=True,
                )  # fmt: skip
                print(out / f"{name}.png")
        service.close()


if __name__ == "__main__":
    main()
