# Recorder engine: m3u8 parser, variant choice, HLS loop, MP4 recorder, --record, AES, HAL.
obj-$(CONFIG_HLS) += core/hls/m3u8.o core/hls/variant.o
obj-y += core/aes128.o
