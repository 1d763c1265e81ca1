# core/: the process (main.c); every layer below has a folder and a module.mk of its own.
obj-y += core/main.o
