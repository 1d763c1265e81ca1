# Hardware abstraction: storage backends and outputs.
obj-$(CONFIG_HAL_STORAGE_POSIX) += hal/storage_posix.o
obj-y += hal/output_file.o
