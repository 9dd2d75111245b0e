"""What sendit's receiver holds in its data folder's staging folders."""
import os


def sendit_index(data_dir):
    """{file name: [paths]} of every *.dcm in DATA/*.tmp*/ (the staging folders)."""
    idx = {}
    for name in os.listdir(data_dir):
        folder = os.path.join(data_dir, name)
        if name.startswith(".") or ".tmp" not in name or not os.path.isdir(folder):
            continue
        for f in os.listdir(folder):
            if f.endswith(".dcm"):
                idx.setdefault(f, []).append(os.path.join(folder, f))
    return idx


def part_files(data_dir):
    """The .part files left in DATA/.incoming (a transfer cut short)."""
    incoming = os.path.join(data_dir, ".incoming")
    return [f for f in os.listdir(incoming) if f.endswith(".part")] if os.path.isdir(incoming) else []
