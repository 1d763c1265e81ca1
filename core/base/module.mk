# core/base: what every layer may use: errors, logging, growable buffers, the monotonic clock,
# UTF-8, JSON reader and writer, configuration, the provider -> engine stream hand-over.
obj-y += core/base/log.o core/base/err.o core/base/dbuf.o core/base/clock.o core/base/utf8.o \
	core/base/json_read.o core/base/json_write.o core/base/config.o core/base/stream.o
