# core/: process, logging, errors, JSON, control protocol, jobs.
obj-y += core/main.o core/log.o core/err.o core/dbuf.o core/json.o
