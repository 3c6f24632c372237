"""How abstracts and titles are compared: in every script, not only a-z."""

from __future__ import annotations

from store import dedup

# Two different papers of the ACL Anthology (2024.ccl-3.26 and 2023.ccl-3.6, first
# sentences): no spaces, so counting only a-z words made them look the same.
ESSAY = "基于深度学习模型的中小学作文修辞手法识别。本文介绍了我们在评测任务中提交的系统,该系统使用预训练语言模型识别作文中的修辞。"
REPORT = "本文介绍了我们在第二十二届中国计算语言学大会评测任务二中提交的系统报告,任务是中文空间语义理解。"


def test_text_without_spaces_is_compared_by_characters():
    assert dedup.words("中文模型") == ("中", "文", "模", "型")
    assert not dedup.similar_abstracts(dedup.shingles(ESSAY), dedup.shingles(REPORT))
    assert dedup.similar_abstracts(dedup.shingles(ESSAY), dedup.shingles(ESSAY.replace("。", ",")))


def test_titles_in_other_scripts_keep_their_words():
    assert dedup.normalise_title("欺骗类动词的句法语义研究") != dedup.normalise_title("基于上下文学习的空间语义理解")
    assert dedup.normalise_title("Ελληνικά κείμενα") == "ελληνικα κειμενα"
    assert len(dedup.words("Korean 한국어 텍스트")) == 3  # Korean puts spaces between words


def test_latin_titles_normalise_as_before():
    assert dedup.normalise_title("Laurençon's BERT-based 3D Models: a Naïve_Test!") == "laurencon s bert based 3d models a naive test"
    assert dedup.normalise_title("  ") is None
