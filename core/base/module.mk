# core/base: what every layer may use: errors, logging, growable buffers, JSON, configuration.
obj-y += core/base/log.o core/base/err.o core/base/dbuf.o core/base/json.o core/base/config.o core/base/stream.o core/base/clock.o
