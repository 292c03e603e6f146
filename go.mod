module github.com/epiloop/epiloop

go 1.26.8
