# core/rec: the recorder engine (probe and dispatch), its backends (HLS, MP4, raw TS), AES-128,
# and the plumbing they share (prefetcher, output, stream.log). CONFIG_HLS and CONFIG_REC_MP4
# gate the recorders at run time (IS_ENABLED), so every file is always built.
obj-y += core/rec/engine.o core/rec/rec_ctx.o core/rec/rec_hls.o core/rec/rec_hls_playlist.o core/rec/rec_hls_seg.o core/rec/rec_mp4.o core/rec/rec_rawts.o \
	core/rec/rec_fetch.o core/rec/rec_out.o core/rec/rec_util.o core/rec/aes128.o
