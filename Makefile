# The two commands of the README, and the inner loop. Everything else lives in scripts/.
.PHONY: run test check

# Install what is missing, build Release, serve on :8080 with SQLite under ./data/.
run:
	scripts/run

# Install what is missing, build, run every test (see scripts/test).
test:
	scripts/test

# The fast inner loop: Debug build, unit and integration tests (see scripts/check).
check:
	scripts/check
