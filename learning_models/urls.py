from django.urls import path

from learning_models.views import bulk, catalogue, classes, decisions, figures, records

app_name = "learning_models"

urlpatterns = [
    # Records: the list, one record, registering, the chapter's score table
    path("", records.registration_list, name="registration_list"),
    path("dang-ky/", records.registration_create_view, name="registration_create"),
    path("ho-so/<int:pk>/", records.record_detail, name="record_detail"),
    path("ho-so/<int:pk>/cham-diem/", records.record_score, name="record_score"),
    path("ho-so/<int:pk>/binh-xet/", records.record_review_view, name="record_review"),
    path("ho-so/<int:pk>/rut-dang-ky/", records.registration_delete_view, name="registration_delete"),
    path("don-vi/<int:unit_pk>/<int:year>/", records.record_table, name="record_table"),
    path(
        "don-vi/<int:unit_pk>/<int:year>/dang-ky-tat-ca/",
        records.registration_bulk_create_view,
        name="registration_bulk_create",
    ),
    # The commune: proposals, decisions, refusals, locks; printable documents
    path("xa/<int:unit_pk>/<int:year>/", decisions.proposal_list, name="proposal_list"),
    path("xa/<int:unit_pk>/<int:year>/danh-sach.pdf", decisions.decision_list_pdf, name="decision_list_pdf"),
    path("ho-so/<int:pk>/khong-cong-nhan/", decisions.record_refuse_view, name="record_refuse"),
    path("ho-so/<int:pk>/mo-khoa/", decisions.record_unlock_view, name="record_unlock"),
    path("ho-so/<int:pk>/khoa/", decisions.record_lock_view, name="record_lock"),
    path("ho-so/<int:pk>/giay-chung-nhan.pdf", decisions.record_certificate, name="record_certificate"),
    # Review, propose, recognise a whole filtered selection
    path("hang-loat/", bulk.records_bulk, name="records_bulk"),
    # Figures
    path("so-lieu/", figures.title_summary, name="title_summary"),
    # Catalogue
    path("danh-muc/", catalogue.titletype_list, name="titletype_list"),
    path("danh-muc/them/", catalogue.titletype_form, name="titletype_create"),
    path("danh-muc/<int:pk>/sua/", catalogue.titletype_form, name="titletype_update"),
    path("bo-tieu-chi/<int:pk>/", catalogue.criteriaset_detail, name="criteriaset_detail"),
    path("bo-tieu-chi/<int:pk>/sao-chep/", catalogue.criteriaset_copy_view, name="criteriaset_copy"),
    path("bo-tieu-chi/<int:pk>/sua/", catalogue.criteriaset_update_view, name="criteriaset_update"),
    path("chi-tieu/", catalogue.target_list, name="target_list"),
    # Community learning centres
    path("lop-hoc/", classes.class_list, name="class_list"),
    path("lop-hoc/them/", classes.class_form, name="class_create"),
    path("lop-hoc/<int:pk>/", classes.class_detail, name="class_detail"),
    path("lop-hoc/<int:pk>/sua/", classes.class_form, name="class_update"),
    path("lop-hoc/<int:pk>/xoa/", classes.class_delete_view, name="class_delete"),
]
