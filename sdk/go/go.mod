module github.com/authgent/authgent/sdk/go

go 1.19
