# Recorder engine: m3u8 parser, variant choice, HLS loop, MP4 and raw-TS recorders, --record,
# AES-128, and the engine's plumbing (prefetcher, output, stream.log). CONFIG_HLS and
# CONFIG_REC_MP4 gate the recorders at run time (IS_ENABLED), so every file is always built.
obj-y += core/hls/m3u8.o core/hls/variant.o core/hls/hls_rec.o core/aes128.o core/recorder.o \
	core/rec_util.o core/rec_fetch.o core/rec_out.o core/rec_rawts.o core/rec_mp4.o \
	core/record_cli.o
