print("keysync-bench: see BENCHMARKS.md")
