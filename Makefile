# The two commands of the README. Everything else lives in scripts/.
.PHONY: run test

# Install what is missing, build Release, serve on :8080 with SQLite under ./data/.
run:
	scripts/run

# Install what is missing, build, run every test (see scripts/test).
test:
	scripts/test
