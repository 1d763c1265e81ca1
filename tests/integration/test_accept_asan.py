"""Acceptance stories again with the ASan+UBSan daemon (build/test-asan/streamingserver, built
by `make unit`): any sanitizer report or leak in the daemon's output fails the test (the acc
fixture checks it at teardown, after SIGTERM)."""
import pytest

import test_accept_errors as errors
import test_accept_files as files
import test_accept_plugin as plugin
import test_accept_record as record



@pytest.fixture
def sacc(acc, asan_bin):
    acc.binary = asan_bin
    return acc


def test_asan_pluto_session(sacc):
    plugin.test_pluto_session_as_the_plugin_does_it(sacc, 2)


def test_asan_samsung_session(sacc):
    plugin.test_samsung_session_and_non_ascii_category_is_reachable(sacc)


def test_asan_vod_complete(sacc):
    record.test_hls_vod_start_then_exactly_one_complete(sacc)


def test_asan_live_until_stop(sacc):
    record.test_hls_live_runs_until_stop(sacc)


def test_asan_mp4(sacc, mp4_file):
    record.test_mp4_progressive(sacc, mp4_file)


def test_asan_replace_and_stalled_stop(sacc):
    record.test_second_start_replaces_the_first_cleanly(sacc)


def test_asan_stop_during_stall(sacc):
    record.test_stop_while_the_upstream_stalls_is_quick_and_silent(sacc)


def test_asan_errors_403_404_drm(sacc):
    record.test_403_that_persists_after_refresh_is_forbidden(sacc)


def test_asan_404(sacc):
    record.test_404_is_not_found(sacc)


def test_asan_failing_segments(sacc):
    record.test_failing_segments_never_make_a_start(sacc)


def test_asan_license_url(sacc):
    record.test_license_url_is_drm_protected_broadcast_and_nothing_else(sacc)


def test_asan_rec_dir_hygiene(sacc, tmp_path):
    files.test_only_our_files_are_removed_at_start(sacc, tmp_path)


def test_asan_sections(sacc, res_media):
    files.test_resolution_change_makes_sections_in_order(sacc, res_media)


def test_asan_disk_full(sacc, tmpfs):
    files.test_disk_full_mid_recording_is_disk_full_and_the_file_stays_playable(sacc, tmpfs)


def test_asan_sigterm_mid_recording(sacc):
    files.test_sigterm_mid_recording_finalises_and_exits_0_quickly(sacc)


def test_asan_protocol_errors(sacc, tmp_path):
    d = sacc.daemon(config={"provider_timeout_ms": 1500})
    env = (sacc, d, d.client(), d.client())
    for payload in errors.BAD_FRAMES:
        errors.test_bad_frame_is_bad_request_and_connection_stays(env[1:], payload.values[0])
    for prov in ({"provider_id": "NoSuchTV"}, {"provider_id": "../x"}, None):
        for cmd in ("get_categories", "get_media_items", "start"):
            errors.test_unknown_provider(env, cmd, prov)
    errors.test_rec_dir_outside_the_roots_is_path_denied(env, tmp_path)
    errors.test_missing_or_unknown_category(env)
    errors.test_many_errors_in_a_row_each_get_one_reply(env[1:])
    errors.test_oversized_frame_gets_an_error_then_is_closed(env[1:])


def test_asan_burst_of_starts(sacc):
    record.test_burst_of_starts_ends_in_one_clean_recording(sacc)


def test_asan_stop_right_after_start(sacc):
    for gap in (None, 0.0, 0.05):
        record.test_stop_right_after_start_means_silence(sacc, gap)


def test_asan_double_start(sacc):
    record.test_double_start_while_the_first_is_still_resolving(sacc)
